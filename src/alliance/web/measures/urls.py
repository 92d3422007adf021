from django.urls import path

from alliance.web.measures import views

app_name = "measures"
urlpatterns = [
    path("<str:token>/", views.start, name="start"),
    path("<str:token>/<int:step>/", views.step, name="step"),
]
