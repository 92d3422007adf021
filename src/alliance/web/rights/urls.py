"""Client rights URLs, mounted at the site root beside the pages they belong to."""

from django.urls import path

from alliance.web.rights import views

app_name = "rights"
urlpatterns = [
    path("clients/<int:pk>/export/", views.client_export, name="client_export"),
    path("clients/<int:pk>/erase/", views.client_erase, name="client_erase"),
    path("episodes/<int:pk>/consent/", views.episode_consent, name="episode_consent"),
    path("clinic/retention/", views.retention, name="retention"),
    path("p/<str:token>/my-data/", views.portal_export, name="portal_export"),
    path("p/<str:token>/consent/withdraw/", views.portal_withdraw, name="portal_withdraw"),
]
