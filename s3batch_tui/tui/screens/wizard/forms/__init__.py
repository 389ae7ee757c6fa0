"""The operation forms of the wizard: one generic form built from `operations.OPERATIONS`."""
