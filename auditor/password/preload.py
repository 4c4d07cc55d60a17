"""Imported once by the forkserver that forks scoring workers: zxcvbn loaded, index built.

Each worker forked from that server starts with the dictionaries, the French
word list and the merged dictionary index already in memory, instead of
spending most of a second building them (measured in ``benchmarks/``).
"""

from auditor.password.strength import prepare

prepare()
