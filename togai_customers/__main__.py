from togai_customers._cli import main

main()
