"""The Faker that seeds a world: names, addresses, e-mail addresses and phone numbers of a locale."""

from __future__ import annotations

from faker import Faker

PROVIDERS = [
    "faker.providers.address",
    "faker.providers.date_time",
    "faker.providers.internet",
    "faker.providers.person",
    "faker.providers.phone_number",
]
"""What the seeding asks for (the internet provider's user names ask some locales for a year),
in the order Faker adds all of its providers: each name comes from the same provider as with
all of them, so the same seed gives the same names. Faker's other twenty-odd providers cost a
tenth of the start-up to find and nothing uses them."""


def seeded_faker(locale: str, seed: int | str) -> Faker:
    fake = Faker(locale, providers=PROVIDERS)
    fake.seed_instance(seed)
    return fake
