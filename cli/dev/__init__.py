"""`lifecycle dev`: the whole stack on one machine.

`stack` says what starts in which order and prints the banner; `supervisor` runs the child
processes (`process`: each in its own process group, its output echoed with a name prefix and
kept in `$LIFECYCLE_HOME/logs/<name>.log`); `postgres` and `temporal` are the two services it
may start; `secrets` the generated keys and the record other commands find it by; `demo` the
example assignments and their manager, an HTTP client of the API like any other.
"""
