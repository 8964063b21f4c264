"""fieldsym: jets, variational symmetries, Noether currents and asymptotic charges in sympy."""

__version__ = "0.1.0"

__all__: list[str] = []
