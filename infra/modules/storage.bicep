// The one storage account: the Functions host (AzureWebJobsStorage), the app's tables and
// queues, and the Flex Consumption deployment container. Shared-key access is off, so nothing
// can use an account key or a connection string: every client authenticates with Entra ID.

@description('Storage account name (3-24 lower-case letters and digits, globally unique).')
param name string

@description('Azure region.')
param location string

@description('Tags applied to the resources.')
param tags object

@description('Blob container the Flex Consumption plan deploys the app package to.')
param deploymentContainerName string

@description('Tables the app uses (shared/storage/keys.py TABLES).')
param tableNames array

@description('Queues the app uses (shared/notifications/queue.py QUEUES, shared/storage/sweep_queue.py SWEEP_QUEUES).')
param queueNames array

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // A second layer of encryption (infrastructure level) under the service's own. Only
    // settable when the account is created: an account deployed without it keeps it off,
    // and the deployment fails until that account is replaced (see infra/README.md).
    encryption: {
      requireInfrastructureEncryption: true
      keySource: 'Microsoft.Storage'
      services: {
        blob: {
          enabled: true
          keyType: 'Account'
        }
        file: {
          enabled: true
          keyType: 'Account'
        }
      }
    }
    // Flex Consumption without a virtual network reaches storage over its public endpoint;
    // access is still identity-only (no keys, no SAS signed with keys, no anonymous blobs).
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [
  for tableName in tableNames: {
    parent: tableService
    name: tableName
  }
]

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [
  for queueName in queueNames: {
    parent: queueService
    name: queueName
  }
]

output name string = storage.name
output id string = storage.id
output deploymentContainerName string = deploymentContainer.name
