from django.contrib.admin.apps import AdminConfig


class CasusregieAdminConfig(AdminConfig):
    default_site = "partners.admin_site.CasusregieAdminSite"
