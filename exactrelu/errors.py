"""One exception tree for exactrelu.

Every error a user can cause derives from :class:`InputError`; the command line turns
it into a one-line message and exit code 2.  Nothing here imports anything else.
"""

__all__ = ["ExactReluError", "InputError", "InvalidNet", "DomainMismatch",
           "CertificateRejected", "KernelLimit", "LimitReached"]


class ExactReluError(Exception):
    """Root of every exactrelu error."""


class InputError(ExactReluError, ValueError):
    """Bad user input: a file, an argument or a number that cannot be used (exit 2)."""


class InvalidNet(InputError):
    """A network description with wrong shapes, widths or entries."""


class DomainMismatch(ExactReluError, TypeError):
    """Exact (QQ) and float64 (F64) objects mixed without the explicit bridge."""


class CertificateRejected(ExactReluError):
    """The trusted kernel could not replay a certificate."""


class KernelLimit(CertificateRejected):
    """The kernel set a certificate aside at one of its own limits (numeral digits, tree depth): it
    proved nothing either way.  A rejection (fail closed) that the command line reports as a limit."""


class LimitReached(ExactReluError):
    """A resource limit (bit length, region count, time) was reached before an answer."""
