"""The URLs of the views the production checks call over HTTP (async, and the sync twins
served over WSGI)."""

from django.urls import path

from testapp import views

urlpatterns = [
    path("articles/", views.article_list),
    path("articles/<int:pk>/", views.article_detail),
    path("articles/<int:pk>/wrapped/", views.article_detail_wrapped),
    path("articles/create/", views.article_create),
    path("articles/create/wrapped/", views.article_create_wrapped),
    path("articles/<int:pk>/publish/", views.article_publish),
    path("articles/stream/", views.article_stream),
    path("articles/stream/wrapped/", views.article_stream_wrapped),
    path("dashboard/", views.dashboard),
    path("tags/count/", views.one_query),
    path("tags/count/sync/", views.one_query_sync),
    path("sleep/once/", views.sleep_once),
    path("sleep/gathered/", views.sleep_gathered),
    path("sleep/threads/", views.sleep_threads),
]
