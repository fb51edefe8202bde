// The Key Vault that holds WEBHOOK_SECRETS_KEY (the key sealing partners' webhook secrets).
// RBAC mode (no access policies): roles.bicep lets the app's identity read secrets and nothing
// else. The app setting is a Key Vault reference, so the key never sits in the site's configuration.

@description('Key Vault name (3-24 characters, globally unique).')
param name string

param location string
param tags object

@description('WEBHOOK_SECRETS_KEY: base64 of 32 random bytes. Empty: no partner webhook secret can be created.')
@secure()
param webhookSecretsKey string

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

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(webhookSecretsKey)) {
  parent: vault
  name: 'webhook-secrets-key'
  properties: {
    value: webhookSecretsKey
    contentType: 'base64 of 32 bytes'
  }
}

@description('The Key Vault reference for the app setting (empty when no key was given).')
output webhookSecretsKeyReference string = empty(webhookSecretsKey) ? '' : '@Microsoft.KeyVault(SecretUri=${vault.properties.vaultUri}secrets/webhook-secrets-key)'

output name string = vault.name
