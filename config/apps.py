from django.contrib.admin.apps import AdminConfig
from django.contrib.staticfiles.apps import StaticFilesConfig


class CasusregieAdminConfig(AdminConfig):
    default_site = "partners.admin_site.CasusregieAdminSite"


class CasusregieStaticFilesConfig(StaticFilesConfig):
    # The design-token package ships a stylesheet we do not use that refers to icons it does
    # not ship; collecting it would make the manifest storage fail in production.
    ignore_patterns = [*StaticFilesConfig.ignore_patterns, "background-image-icon.css"]
