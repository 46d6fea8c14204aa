from tests.factories import make_achievement, make_demand, make_operator, make_user


def test_public_pages_render(client, db):
    demand = make_demand()
    result = make_achievement()
    for path in ("/", "/demands/", "/results/", "/demand-lists/", f"/demands/{demand.id}",
                 f"/results/{result.id}", f"/orgs/{demand.organisation_id}", "/login", "/register",
                 "/password/forgot", "/healthz", "/readyz"):
        response = client.get(path)
        assert response.status_code == 200, path


def test_logged_in_pages_render(login, db):
    enterprise = make_user(admin=True)
    operator = make_operator()
    for user, paths in ((enterprise, ("/dashboard", "/account/", "/account/organisation", "/demands/new")),
                        (operator, ("/review/", "/review/organisations", "/demand-lists/new", "/dashboard"))):
        client = login(user)
        for path in paths:
            assert client.get(path).status_code == 200, path
