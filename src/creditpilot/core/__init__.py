"""The domain of credit management, free of any framework, store or network.

Everything here takes plain values and an explicit ``as_of`` date; nothing
reads the clock, the database or the disk.
"""
