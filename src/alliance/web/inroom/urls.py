from django.urls import path

from alliance.web.inroom import views

app_name = "inroom"
urlpatterns = [
    path("links/<int:pk>/in-room/", views.start, name="start"),
    path("in-room/locked/", views.unlock_view, name="unlock"),
]
