"""Error type names shared by activities, workflows and the API (defined once)."""

# Activity failures that retrying cannot fix.
INVALID_INPUT = "InvalidInput"
PROVIDER_REJECTED = "ProviderRejected"
# Update refusals raised by the workflow's validators (the API maps them to 409 / 404 / 422).
CONFLICT = "Conflict"
NOT_FOUND = "NotFound"
INVALID = "Invalid"
