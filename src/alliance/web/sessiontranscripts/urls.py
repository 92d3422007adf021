from django.urls import path

from alliance.web.sessiontranscripts import views

app_name = "sessiontranscripts"
urlpatterns = [
    path("sessions/<int:pk>/transcript/upload/", views.upload, name="upload"),
    path("sessions/<int:pk>/transcript/", views.detail, name="detail"),
    path("sessions/<int:pk>/transcript/timeline/", views.timeline, name="timeline"),
    path("sessions/<int:pk>/transcript/status/", views.status, name="status"),
    path("sessions/<int:pk>/transcript/delete/", views.delete, name="delete"),
]
