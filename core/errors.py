"""Error type names of activities' permanent failures (defined once; see also workflows.types)."""

# Activity failures that retrying cannot fix.
INVALID_INPUT = "InvalidInput"
PROVIDER_REJECTED = "ProviderRejected"
