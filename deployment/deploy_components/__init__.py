"""Components and pure builders of the deployment project (Pulumi Deployments + AWS OIDC)."""
