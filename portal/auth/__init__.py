"""Accounts in the browser: sign up, sign in, sign out."""
