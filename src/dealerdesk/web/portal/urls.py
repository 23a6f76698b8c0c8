from django.urls import path

from dealerdesk.web.portal.views import auth, catalog, dashboard, invites, orders, public, team

app_name = "portal"

urlpatterns = [
    path("", public.home, name="home"),
    path("catalog/", public.teaser_catalog, name="teaser"),
    path("catalog/products/<int:pk>/", public.teaser_product, name="teaser_product"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("invite/<str:token>/", invites.accept, name="invite"),
    path("portal/", dashboard.dashboard, name="dashboard"),
    path("portal/company/", dashboard.switch_company, name="switch_company"),
    path("portal/catalog/", catalog.catalog, name="catalog"),
    path("portal/contract/", catalog.switch_contract, name="switch_contract"),
    path("portal/products/<int:pk>/", catalog.product, name="product"),
    path("portal/cart/", orders.cart, name="cart"),
    path("portal/cart/add/", orders.cart_add, name="cart_add"),
    path("portal/cart/lines/<int:pk>/", orders.cart_line, name="cart_line"),
    path("portal/checkout/", orders.place, name="checkout"),
    path("portal/quick-order/", orders.quick_order, name="quick_order"),
    path("portal/quick-order/scan/", orders.scan, name="scan"),
    path("portal/orders/", orders.orders, name="orders"),
    path("portal/orders/<str:number>/", orders.order, name="order"),
    path("portal/orders/<str:number>/proforma.pdf", orders.order_proforma, name="order_proforma"),
    path("portal/orders/<str:number>/cancel/", orders.order_cancel, name="order_cancel"),
    path("portal/orders/<str:number>/again/", orders.order_again, name="order_again"),
    path("portal/team/", team.team, name="team"),
    path("portal/team/invite/", team.invite, name="team_invite"),
    path("portal/team/invites/<int:pk>/revoke/", team.revoke_invite, name="team_revoke"),
    path("portal/team/members/<int:pk>/", team.member, name="team_member"),
    path("portal/team/members/<int:pk>/access/", team.member_access, name="team_member_access"),
]
