"""``python -m togai_customers``: the ``togai-customers`` command line."""

from togai_customers._cli import main

if __name__ == "__main__":
    main()
