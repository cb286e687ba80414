"""Replies by email: the reply mailbox polled, each message put on its case
or in the administrators' review list (README, "Replies by email")."""
