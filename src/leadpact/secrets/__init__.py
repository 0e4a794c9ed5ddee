"""Operating the secrets key: re-sealing every stored secret under a new key (`leadpact secrets rotate`).

The sealing itself (the key ring, seal and unseal) is `leadpact.sealing`, beneath every domain; this package sits on
top, as it reaches every table that holds a sealed value."""

from leadpact.secrets.service import RotationReport, reseal_all, rotate

__all__ = ["RotationReport", "reseal_all", "rotate"]
