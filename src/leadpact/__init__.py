"""leadpact: the marketing-to-sales lead pact, executable."""

__version__ = "0.1.0"
