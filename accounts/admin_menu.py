"""A Wagtail admin menu item shown only to users with one permission (shared by every app's admin)."""

from wagtail.admin.menu import MenuItem


class PermissionMenuItem(MenuItem):
    """``PermissionMenuItem(label, url, permission="app.codename", ...)``: hidden without the permission."""

    def __init__(self, *args, permission: str, **kwargs):
        self.permission = permission
        super().__init__(*args, **kwargs)

    def is_shown(self, request):
        return request.user.has_perm(self.permission)
