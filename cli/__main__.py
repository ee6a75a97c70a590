"""`python -m cli worker|api`: how `lifecycle dev` starts its children."""

from cli import main

main()
