"""`flask clients ...`: register, suspend and resume apps from the command line."""

from flask.cli import AppGroup

clients_cli = AppGroup("clients", help="Registered apps (OAuth clients).")
