from dealerdesk.cli import main

main()
