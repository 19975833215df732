"""Onboarding through JSON, for platforms that sign merchants up on their behalf.

The merchant's own secret key (test or live) reaches its application.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import selectors, services
from portal.api.serializers import StrictIntegerField
from portal.idempotency import IdempotentMixin
from portal.models import Application, ApplicationDocument, BusinessCategory
from portal.pay_types import pay_type_values


class MethodSerializer(serializers.Serializer):
    pay_type = serializers.CharField()
    decision = serializers.CharField()
    comment = serializers.CharField()


class DocumentSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    kind = serializers.CharField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


class ApplicationSerializer(serializers.Serializer):
    id = serializers.CharField(source="public_id")
    merchant_id = serializers.CharField(source="merchant.public_id")
    status = serializers.ChoiceField(choices=Application.Status.choices)
    legal_name = serializers.CharField()
    legal_name_kana = serializers.CharField()
    corporate_number = serializers.CharField()
    representative_name = serializers.CharField()
    postal_code = serializers.CharField()
    address = serializers.CharField()
    phone = serializers.CharField()
    website = serializers.CharField()
    business_category = serializers.CharField(source="business_category.code", allow_null=True, default=None)
    expected_monthly_volume = serializers.IntegerField(allow_null=True)
    methods = MethodSerializer(many=True)
    documents = DocumentSerializer(many=True)
    missing = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)

    def get_missing(self, application) -> list[str]:
        return services.application_missing(application) if application.status in Application.EDITABLE else []


class ApplicationUpdateSerializer(serializers.Serializer):
    legal_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    legal_name_kana = serializers.CharField(required=False, allow_blank=True, max_length=200)
    corporate_number = serializers.CharField(required=False, allow_blank=True, max_length=13)
    representative_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    postal_code = serializers.CharField(required=False, allow_blank=True, max_length=8)
    address = serializers.CharField(required=False, allow_blank=True, max_length=300)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    website = serializers.CharField(required=False, allow_blank=True, max_length=300)
    business_category = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=50
    )
    expected_monthly_volume = StrictIntegerField(
        required=False, allow_null=True, min_value=0, max_value=10**13
    )
    requested_methods = serializers.ListField(child=serializers.ChoiceField(choices=[]), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        known = pay_type_values()  # the registry's pay types, read once it is loaded
        self.fields["requested_methods"] = serializers.ListField(
            child=serializers.ChoiceField(choices=known), required=False, max_length=len(known)
        )


class DocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    kind = serializers.ChoiceField(
        choices=ApplicationDocument.Kind.values, default=ApplicationDocument.Kind.OTHER
    )


class BusinessCategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class OnboardingView(IdempotentMixin, APIView):
    error_area = "02"

    def application(self, request) -> Application:
        return selectors.application_of(request.user.merchant)


class ApplicationView(OnboardingView):
    @extend_schema(
        operation_id="onboarding_application_retrieve", responses=ApplicationSerializer, tags=["Onboarding"]
    )
    def get(self, request):
        return Response(ApplicationSerializer(self.application(request)).data)

    @extend_schema(
        operation_id="onboarding_application_update",
        request=ApplicationUpdateSerializer,
        responses=ApplicationSerializer,
        tags=["Onboarding"],
    )
    def put(self, request):
        serializer = ApplicationUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.application_update(
            application=self.application(request), data=dict(serializer.validated_data), actor=request.auth
        )
        return Response(ApplicationSerializer(self.application(request)).data)


class ApplicationDocumentsView(OnboardingView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="onboarding_application_document_create",
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer},
        tags=["Onboarding"],
    )
    def post(self, request):
        serializer = DocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = services.document_add(
            application=self.application(request),
            upload=serializer.validated_data["file"],
            kind=serializer.validated_data["kind"],
            actor=request.auth,
        )
        return Response(DocumentSerializer(document).data, status=201)


class ApplicationSubmitView(OnboardingView):
    @extend_schema(
        operation_id="onboarding_application_submit",
        request=None,
        responses=ApplicationSerializer,
        tags=["Onboarding"],
    )
    def post(self, request):
        services.application_submit(application=self.application(request), actor=request.auth)
        return Response(ApplicationSerializer(self.application(request)).data)


class BusinessCategoriesView(OnboardingView):
    @extend_schema(
        operation_id="onboarding_business_categories_list",
        responses=BusinessCategorySerializer(many=True),
        tags=["Onboarding"],
    )
    def get(self, request):
        categories = BusinessCategory.objects.order_by("name")
        return Response(BusinessCategorySerializer(categories, many=True).data)
