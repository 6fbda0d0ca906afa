"""exactrelu: exact checks of the theory of learning ReLU networks.

The public surface is small: networks (:class:`Net`, :class:`NetClass`), exact numbers,
the trusted kernel, and file I/O.  Constructions, analysis and learning live in subpackages.
"""
from .errors import CertificateRejected, DomainMismatch, ExactReluError, InputError, InvalidNet, LimitReached
from .net import INF, Net, NetClass, NetF64
from .numbers import fmt, iroot_ceil, iroot_floor, to_rational

__version__ = "0.1.0"

__all__ = ["Net", "NetF64", "NetClass", "INF", "to_rational", "fmt", "iroot_floor", "iroot_ceil",
           "ExactReluError", "InputError", "InvalidNet", "DomainMismatch", "CertificateRejected",
           "LimitReached", "__version__"]
