"""syndication: RSS/Atom/JSON feeds and Telegram headlines for regional Indonesian news."""

__version__ = "0.1.0"
