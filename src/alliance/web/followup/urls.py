from django.urls import path

from alliance.web.followup import views

app_name = "followup"
urlpatterns = [
    path("links/<int:pk>/resend/", views.resend, name="resend"),
]
