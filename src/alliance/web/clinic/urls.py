from django.urls import path

from alliance.web.clinic import views

app_name = "clinic"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("team/", views.team, name="team"),
]
