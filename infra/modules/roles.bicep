// Exactly the data-plane roles the app's identity needs, and nothing broader:
//  - on the storage account: Blob Data Owner (host: locks, timers' schedule status, the
//    deployment package), Table Data Contributor (the app's tables), Queue Data Contributor
//    (the notifications queue and its poison queue; the queue trigger);
//  - on the Key Vault: Key Vault Secrets User (the app settings' Key Vault references);
//  - on the Communication Services resource: Communication and Email Service Owner (sending
//    the e-mail alerts with Entra ID; ACS has no narrower built-in role that can send), scoped
//    to that one resource;
//  - on Application Insights: Monitoring Metrics Publisher (Entra ID-authenticated telemetry,
//    as local auth is disabled).
// Role definition ids are Azure's built-in, well-known GUIDs.

@description('Storage account the app uses.')
param storageAccountName string

@description('Application Insights component the app sends telemetry to.')
param applicationInsightsName string

@description('Key Vault holding the app\'s secrets.')
param keyVaultName string

@description('Communication Services resource the app sends e-mail through.')
param communicationName string

@description('Principal (object) id of the app\'s user-assigned managed identity.')
param principalId string

var storageRoles = [
  {
    name: 'Storage Blob Data Owner'
    id: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  }
  {
    name: 'Storage Table Data Contributor'
    id: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  }
  {
    name: 'Storage Queue Data Contributor'
    id: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  }
]

var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'
var communicationEmailOwner = '09976791-48a7-449e-bb21-39d1a415f350'

resource communication 'Microsoft.Communication/communicationServices@2023-04-01' existing = {
  name: communicationName
}

resource emailRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(communication.id, principalId, communicationEmailOwner)
  scope: communication
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', communicationEmailOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'Communication and Email Service Owner (send e-mail) for the referrals function app'
  }
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource secretsRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'Key Vault Secrets User for the referrals function app'
  }
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in storageRoles: {
    name: guid(storage.id, principalId, role.id)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.id)
      principalId: principalId
      principalType: 'ServicePrincipal'
      description: '${role.name} for the referrals function app'
    }
  }
]

resource telemetryRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, principalId, monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'Monitoring Metrics Publisher for the referrals function app'
  }
}
