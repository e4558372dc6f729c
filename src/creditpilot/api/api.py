from ninja import NinjaAPI

api = NinjaAPI(title="creditpilot", version="1", urls_namespace="api")
