// The Key Vault that holds the app's secrets: WEBHOOK_SECRETS_KEY (the key sealing partners'
// webhook secrets and Partner Center refresh tokens), PARTNER_CENTER_CLIENT_SECRET (the
// Partner Center app registration's credential) and, optionally, CONTINUATION_TOKEN_KEY (else
// the app derives it from WEBHOOK_SECRETS_KEY). RBAC mode (no access policies): roles.bicep
// lets the app's identity read secrets and nothing else. The app settings are Key Vault
// references, so no secret sits in the site's configuration.

@description('Key Vault name (3-24 characters, globally unique).')
param name string

param location string
param tags object

@description('WEBHOOK_SECRETS_KEY: base64 of 32 random bytes. Empty: no partner webhook secret can be created.')
@secure()
param webhookSecretsKey string

@description('CONTINUATION_TOKEN_KEY: base64 of at least 32 random bytes signing continuation tokens. Empty: derived from WEBHOOK_SECRETS_KEY.')
@secure()
param continuationTokenKey string

@description('PARTNER_CENTER_CLIENT_SECRET: the Partner Center app registration\'s client secret. Empty: Partner Center cannot be connected.')
@secure()
param partnerCenterClientSecret string

// Which secrets were given, as plain booleans: an output that read a secure parameter (even
// only to test it for emptiness) would break the linter's outputs-should-not-contain-secrets.
@description('A WEBHOOK_SECRETS_KEY was given.')
param hasWebhookSecretsKey bool

@description('A CONTINUATION_TOKEN_KEY was given.')
param hasContinuationTokenKey bool

@description('A PARTNER_CENTER_CLIENT_SECRET was given.')
param hasPartnerCenterClientSecret bool

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
  }
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (hasWebhookSecretsKey) {
  parent: vault
  name: 'webhook-secrets-key'
  properties: {
    value: webhookSecretsKey
    contentType: 'base64 of 32 bytes'
  }
}

resource continuationSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (hasContinuationTokenKey) {
  parent: vault
  name: 'continuation-token-key'
  properties: {
    value: continuationTokenKey
    contentType: 'base64 of 32 bytes'
  }
}

resource partnerCenterSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (hasPartnerCenterClientSecret) {
  parent: vault
  name: 'partner-center-client-secret'
  properties: {
    value: partnerCenterClientSecret
    contentType: 'Entra ID client secret'
  }
}

@description('The Key Vault reference for the app setting (empty when no key was given).')
output webhookSecretsKeyReference string = !hasWebhookSecretsKey ? '' : '@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/webhook-secrets-key)'

@description('The Key Vault reference for CONTINUATION_TOKEN_KEY (empty when no key was given).')
output continuationTokenKeyReference string = !hasContinuationTokenKey ? '' : '@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/continuation-token-key)'

@description('The Key Vault reference for PARTNER_CENTER_CLIENT_SECRET (empty when no secret was given).')
output partnerCenterCredentialReference string = !hasPartnerCenterClientSecret ? '' : '@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/partner-center-client-secret)'

output name string = vault.name
