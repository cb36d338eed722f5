from oauth2_provider.oauth2_validators import OAuth2Validator


class KeywayValidator(OAuth2Validator):
    pass
