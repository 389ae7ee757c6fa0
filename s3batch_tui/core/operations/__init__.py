"""One module per operation; `registry.py` maps AWS member names to them."""
