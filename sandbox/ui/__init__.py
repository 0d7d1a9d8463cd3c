"""The dashboard under `/_sandbox/ui`: server-rendered pages (Jinja2), a little JavaScript, and a
live feed of requests and order changes (server-sent events)."""
