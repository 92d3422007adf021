from django.urls import path

from alliance.web.texting import views

app_name = "texting"
urlpatterns = [
    path("clients/<int:pk>/texts/", views.client_texts, name="client_texts"),
    path("clients/<int:pk>/language/", views.client_language, name="client_language"),
    path("links/<int:pk>/text/", views.link_text, name="link_text"),
    path("texts/inbound/", views.inbound, name="inbound"),
]
