#!/usr/bin/env bash
# Creates the Entra ID app registration the app uses to call Partner Center for the partners
# that connect (PARTNER_CENTER_CLIENT_ID / PARTNER_CENTER_CLIENT_SECRET): multi-tenant, a web
# redirect URI <PUBLIC_BASE_URL>/api/partner-center/callback, and the delegated
# user_impersonation permission on the Partner Center Referrals API
# (https://api.partner.microsoft.com) and on the Partner Center API that registers webhooks
# (https://api.partnercenter.microsoft.com). Idempotent: an existing registration with the
# same display name is updated.
#
#   infra/scripts/create-partner-center-app.sh PUBLIC_BASE_URL [DISPLAY_NAME]
#       PUBLIC_BASE_URL: the publicBaseUrl output of the deployment (https://<app host>)
#       DISPLAY_NAME:    default referrals-partner-center
#
# Why a script and not Bicep's Microsoft Graph extension: the deployer would need a tenant-wide
# Graph permission (Application.ReadWrite.OwnedBy or more) on top of its resource-group roles,
# and the redirect URI needs the app's host name, which exists only after the first deployment.
#
# Needs Azure CLI signed in (az login) with the right to create app registrations. The
# permission ids are looked up by name in your tenant, not hard-coded. Prints the application
# (client) id; create a secret with the command it prints last.
set -euo pipefail

base_url="${1:?usage: create-partner-center-app.sh PUBLIC_BASE_URL [DISPLAY_NAME]}"
name="${2:-referrals-partner-center}"
redirect_uri="${base_url%/}/api/partner-center/callback"

app_id=$(az ad app list --display-name "$name" --query "[0].appId" --output tsv)
if [ -z "$app_id" ]; then
  app_id=$(az ad app create --display-name "$name" --sign-in-audience AzureADMultipleOrgs \
    --query appId --output tsv)
  echo "Created app registration ${name} (${app_id})" >&2
else
  echo "Updating app registration ${name} (${app_id})" >&2
fi
az ad app update --id "$app_id" --web-redirect-uris "$redirect_uri"

# Delegated user_impersonation on each Partner Center API, found by its identifier URI.
for api in https://api.partner.microsoft.com https://api.partnercenter.microsoft.com; do
  api_app_id=$(az ad sp show --id "$api" --query appId --output tsv 2>/dev/null || true)
  if [ -z "$api_app_id" ]; then
    echo "No service principal for ${api} in this tenant: sign in to Partner Center once with an account of this tenant, then run this again." >&2
    exit 1
  fi
  scope_id=$(az ad sp show --id "$api" \
    --query "oauth2PermissionScopes[?value=='user_impersonation'].id | [0]" --output tsv)
  az ad app permission add --id "$app_id" --api "$api_app_id" \
    --api-permissions "${scope_id}=Scope" --only-show-errors
done

if [ -z "$(az ad sp list --filter "appId eq '${app_id}'" --query "[0].id" --output tsv)" ]; then
  az ad sp create --id "$app_id" --output none
fi

echo "Redirect URI: ${redirect_uri}" >&2
echo "Client secret (shown once; store it as PARTNER_CENTER_CLIENT_SECRET):" >&2
echo "  az ad app credential reset --id ${app_id} --display-name partner-center --years 1 --append --query password -o tsv" >&2
echo "$app_id"
