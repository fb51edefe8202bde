#!/usr/bin/env bash
# Creates the API's Entra ID app registration with the four app roles the code checks
# (shared/auth.py), its service principal, and the App ID URI api://<appId>. Idempotent:
# an existing registration with the same display name is updated, and existing roles keep
# their ids (role assignments stay valid).
#
#   infra/scripts/create-app-registration.sh [DISPLAY_NAME]     (default: referrals-api)
#
# Needs Azure CLI signed in (az login) with the right to create app registrations.
# Prints the application (client) id: use it as AUTH_CLIENT_ID.
set -euo pipefail

name="${1:-referrals-api}"

app_id=$(az ad app list --display-name "$name" --query "[0].appId" --output tsv)
if [ -z "$app_id" ]; then
  app_id=$(az ad app create --display-name "$name" --sign-in-audience AzureADMultipleOrgs \
    --query appId --output tsv)
  echo "Created app registration ${name} (${app_id})" >&2
else
  echo "Updating app registration ${name} (${app_id})" >&2
fi
az ad app update --id "$app_id" --identifier-uris "api://${app_id}"

# Keep the id of a role that already exists, so assignments made earlier stay valid.
role_id() {
  local existing
  existing=$(az ad app show --id "$app_id" \
    --query "appRoles[?value=='$1'].id | [0]" --output tsv)
  if [ -n "$existing" ]; then
    echo "$existing"
  else
    python3 -c 'import uuid; print(uuid.uuid4())'
  fi
}

# value|allowed member types (JSON)|display name|description
roles=(
  'Referrals.Admin|["User","Application"]|Referrals admin|Work all of the organisation'"'"'s referrals and edit its profile'
  'Partner.Admin|["User","Application"]|Partner admin|Manage the partner profile and webhook settings'
  'Referrals.User|["User"]|Referrals user|Work the referrals of the organisation'
  'Referrals.Intake|["Application"]|Referral intake|Create referrals (Microsoft'"'"'s intake system)'
)

manifest=$(mktemp)
trap 'rm -f "$manifest"' EXIT
{
  echo "["
  sep=""
  for row in "${roles[@]}"; do
    IFS='|' read -r value members display description <<<"$row"
    printf '%s  {"value": "%s", "allowedMemberTypes": %s, "displayName": "%s", "description": "%s", "id": "%s", "isEnabled": true}\n' \
      "$sep" "$value" "$members" "$display" "$description" "$(role_id "$value")"
    sep=","
  done
  echo "]"
} >"$manifest"
az ad app update --id "$app_id" --app-roles "@${manifest}"

if [ -z "$(az ad sp list --filter "appId eq '${app_id}'" --query "[0].id" --output tsv)" ]; then
  az ad sp create --id "$app_id" --output none
fi
echo "$app_id"
