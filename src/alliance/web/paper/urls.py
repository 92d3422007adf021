from django.urls import path

from alliance.web.paper import views

app_name = "paper"
urlpatterns = [
    path("sessions/<int:pk>/paper/<slug:instrument>/", views.enter, name="enter"),
    path("paper-forms/<slug:instrument>/<str:language>.pdf", views.form_pdf, name="form_pdf"),
]
