// E-mail alerts (EMAIL_MODE=acs): an Email Communication Service with an Azure-managed domain
// (DoNotReply@<guid>.azurecomm.net, no DNS to set up), linked to a Communication Services
// resource the app sends through with its managed identity (local auth off: no access keys).
// The identity's role on it is in roles.bicep with the other roles.

@description('Communication Services resource name.')
param communicationName string

@description('Email Communication Service name.')
param emailServiceName string

@description('Where the services keep their data (a geography such as Europe or United States).')
param dataLocation string

@description('Tags applied to every resource.')
param tags object

resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: emailServiceName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

resource domain 'Microsoft.Communication/emailServices/domains@2023-04-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    // No tracking pixels or rewritten links in alerts.
    userEngagementTracking: 'Disabled'
  }
}

resource communication 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: communicationName
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: [
      domain.id
    ]
    disableLocalAuth: true
  }
}

output name string = communication.name
output endpoint string = 'https://${communication.properties.hostName}'
output senderAddress string = 'DoNotReply@${domain.properties.mailFromSenderDomain}'
