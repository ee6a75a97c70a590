"""Tool access over SCIM 2.0: the provisioner the access activity calls (provisioner.py), on
the requests and failure rules of client.py."""

from activities.scim.client import PRECONDITION_RETRIES, ScimUnavailable
from activities.scim.provisioner import ScimProvisioner

__all__ = ["PRECONDITION_RETRIES", "ScimProvisioner", "ScimUnavailable"]
