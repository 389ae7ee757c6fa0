"""Where a manifest lives and how it is read: CSV, S3 Inventory, generator."""
