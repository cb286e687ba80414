from .accounts import Membership, Role, Team, User

__all__ = ["Membership", "Role", "Team", "User"]
