"""Built-in feed adapters. Each is one folder of the same shape: config.py, parser.py, health.py and an
``ADAPTER`` object in __init__.py, registered through the ``rtcc.feeds`` entry-point group exactly as an
outside adapter would be."""
