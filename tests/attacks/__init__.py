"""The attacker's side: each module tries to get past one defence, against real stores."""
