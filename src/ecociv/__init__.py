"""ecociv: the platform on which a city runs its ecological-civilization programme."""

__version__ = "0.1.0"
