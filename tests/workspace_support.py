"""What the workspace tests share."""

from argon2 import PasswordHasher

# argon2id with the least work it allows: the tests check what is stored, not the hash's strength.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
