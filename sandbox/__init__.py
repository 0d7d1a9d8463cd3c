"""supplier-sandbox: a spec-driven local sandbox of B2B dropshipping supplier APIs."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("supplier-sandbox")
except PackageNotFoundError:  # running from a checkout that is not installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
