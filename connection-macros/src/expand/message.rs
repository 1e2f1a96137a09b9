//! The message enum: one variant per usable `#[call]` and `#[cast]`.

use proc_macro2::TokenStream;
use quote::quote;

use super::{type_name, typed_values};
use crate::model::Model;

impl Model<'_> {
    pub(super) fn message_enum(&self) -> TokenStream {
        let Self {
            private,
            vis,
            self_ty,
            message,
            ..
        } = self;
        let (impl_generics, _, where_clause) = self.generics.split_for_impl();
        let variants = self.requests().map(|request| {
            let (handler, variant) = (request.handler, &request.variant);
            let cfgs = &handler.cfgs;
            let fields = typed_values(handler);
            let reply = request
                .reply
                .field_and_type()
                .map(|(field, reply)| quote!(#field: #private::ReplyTo<#reply>));
            let doc = format!(
                "A request for `{}::{}`.",
                type_name(self_ty),
                handler.ident()
            );
            quote! {
                #[doc = #doc]
                #(#cfgs)*
                #variant { #(#fields,)* #reply }
            }
        });
        let type_params = self.type_params();
        // A type parameter that no request mentions would be an unused
        // parameter of the enum (E0392); this variant uses them all and
        // cannot be built.
        let phantom = (!type_params.is_empty()).then(|| {
            quote! {
                #[doc(hidden)]
                __Phantom(
                    ::core::convert::Infallible,
                    ::core::marker::PhantomData<fn() -> (#(#type_params,)*)>,
                ),
            }
        });
        let doc = format!(
            "The requests a `{}` handles: one variant per `#[call]` and `#[cast]` handler.",
            type_name(self_ty)
        );
        let (_, ty_generics, _) = self.generics.split_for_impl();
        let names = self.requests().map(|request| {
            let variant = &request.variant;
            let cfgs = &request.handler.cfgs;
            let name = variant.as_ref().map(ToString::to_string);
            quote! {
                #(#cfgs)*
                Self::#variant { .. } => #name,
            }
        });
        let phantom_name =
            (!type_params.is_empty()).then(|| quote!(Self::__Phantom(never, _) => match never {},));
        quote! {
            #[doc = #doc]
            #[allow(missing_docs)] // the fields are the handlers' own parameters
            // Generated items are `pub` unless `vis` says otherwise (an impl
            // block cannot see its type's visibility).
            #[allow(
                private_interfaces,
                reason = "a handler's own parameter types may rightly be less visible than the generated enum"
            )]
            #vis enum #message #impl_generics #where_clause {
                #(#variants,)*
                #phantom
            }

            impl #impl_generics #message #ty_generics #where_clause {
                /// The request's variant name, as the runtime's trace events show it.
                #[must_use]
                #vis fn name(&self) -> &'static str {
                    match *self {
                        #(#names)*
                        #phantom_name
                    }
                }
            }
        }
    }
}
