//! `/admin/credit-packages` (create, edit, activate / deactivate, feature, reorder) and
//! `/admin/credit-costs` (credits per operation).

use super::api::{admin_packages, AdminMovePackage, AdminSavePackage, AdminUpdateCost};
use super::model::AdminPackage;
use super::nav::AdminNav;
use crate::credits::api::list_credit_costs;
use crate::ui::errors::{ErrorPage, FieldError, FormError};
use crate::ui::forms::{action_error, SubmitButton};
use crate::ui::toasts::toast_errors;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AdminPackagesPage() -> impl IntoView {
    let save = ServerAction::<AdminSavePackage>::new();
    let reorder = ServerAction::<AdminMovePackage>::new();
    toast_errors(reorder);
    let packages = Resource::new(
        move || (save.version().get(), reorder.version().get()),
        |_| admin_packages(),
    );
    let error = action_error(save);
    view! {
        <Title text="Credit packages · Admin"/>
        <AdminNav/>
        <h1>"Credit packages"</h1>
        <p class="muted">"Tenants see the active packages, in this order. A change applies to purchases from now on."</p>
        <FormError error/>
        {move || save.value().get().and_then(Result::ok).map(|p| view! {
            <p class="alert alert-success" role="status" data-testid="package-saved">{format!("Saved {}.", p.name)}</p>
        })}
        <Transition fallback=|| view! { <span class="skeleton"></span> }>
            {move || Suspend::new(async move {
                match packages.await {
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                    Ok(list) => list.into_iter().map(|package| view! { <PackageEditor package save reorder error/> }).collect_view().into_any(),
                }
            })}
        </Transition>
        <section class="card">
            <h2>"New package"</h2>
            <PackageForm package=None save error/>
        </section>
    }
}

#[component]
fn PackageEditor(
    package: AdminPackage,
    save: ServerAction<AdminSavePackage>,
    reorder: ServerAction<AdminMovePackage>,
    error: Signal<Option<crate::common::AppError>>,
) -> impl IntoView {
    let (up, down, key) = (package.id.clone(), package.id.clone(), package.id.clone());
    let inactive = !package.is_active;
    view! {
        <article class="card package-editor" data-package=key class:inactive=inactive>
            <div class="inline-form">
                <ActionForm action=reorder attr:class="inline-form">
                    <input type="hidden" name="id" value=up/>
                    <input type="hidden" name="step" value="-1"/>
                    <SubmitButton pending=reorder.pending() label="Move up" busy_label="Moving…" class="button button-secondary button-small"/>
                </ActionForm>
                <ActionForm action=reorder attr:class="inline-form">
                    <input type="hidden" name="id" value=down/>
                    <input type="hidden" name="step" value="1"/>
                    <SubmitButton pending=reorder.pending() label="Move down" busy_label="Moving…" class="button button-secondary button-small"/>
                </ActionForm>
            </div>
            <PackageForm package=Some(package) save error/>
        </article>
    }
}

#[component]
fn PackageForm(
    package: Option<AdminPackage>,
    save: ServerAction<AdminSavePackage>,
    error: Signal<Option<crate::common::AppError>>,
) -> impl IntoView {
    let id = package.as_ref().map(|p| p.id.clone()).unwrap_or_default();
    let name = package.as_ref().map(|p| p.name.clone()).unwrap_or_default();
    let credits = package
        .as_ref()
        .map(|p| p.credits.to_string())
        .unwrap_or_default();
    let price = package
        .as_ref()
        .map(|p| p.price.major())
        .unwrap_or_default();
    let currency = package
        .as_ref()
        .map(|p| p.price.currency.as_str().to_string())
        .unwrap_or_else(|| "USD".into());
    let active = package.as_ref().is_none_or(|p| p.is_active);
    let featured = package.as_ref().is_some_and(|p| p.is_featured);
    let label = if package.is_some() {
        "Save"
    } else {
        "Create package"
    };
    view! {
        <ActionForm action=save attr:class="form package-form">
            <input type="hidden" name="id" value=id/>
            <label>"Name" <input type="text" name="name" value=name maxlength="100" required/>
                <FieldError error field="name"/></label>
            <label>"Credits" <input type="text" name="credits" value=credits inputmode="numeric" required/>
                <FieldError error field="credits"/></label>
            <label>"Price" <input type="text" name="price" value=price inputmode="decimal" placeholder="19.00" required/>
                <FieldError error field="price"/></label>
            <label>"Currency" <input type="text" name="currency" value=currency maxlength="3" required/></label>
            <label class="checkbox"><input type="checkbox" name="is_active" value="on" checked=active/> "Active"</label>
            <label class="checkbox"><input type="checkbox" name="is_featured" value="on" checked=featured/> "Featured"</label>
            <SubmitButton pending=save.pending() label busy_label="Saving…"/>
        </ActionForm>
    }
}

#[component]
pub fn AdminCostsPage() -> impl IntoView {
    let update = ServerAction::<AdminUpdateCost>::new();
    let costs = Resource::new(move || update.version().get(), |_| list_credit_costs());
    let error = action_error(update);
    view! {
        <Title text="Credit pricing · Admin"/>
        <AdminNav/>
        <h1>"Credit pricing"</h1>
        <p class="muted">"Credits charged per unit of each operation. A change applies to tasks started after it; running tasks keep the price they started with."</p>
        <FormError error/>
        {move || update.value().get().and_then(Result::ok).map(|_| view! { <p class="alert alert-success" role="status" data-testid="cost-saved">"Saved."</p> })}
        <Transition fallback=|| view! { <span class="skeleton"></span> }>
            {move || Suspend::new(async move {
                match costs.await {
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                    Ok(costs) => costs.into_iter().map(|cost| {
                        let operation = cost.operation.clone();
                        view! {
                            <ActionForm action=update attr:class="card form inline-form" attr:data-operation=cost.operation.clone()>
                                <input type="hidden" name="operation" value=operation/>
                                <label>{format!("{} (per {} {})", cost.label, cost.unit_size, cost.unit_label)}
                                    <input type="text" name="credits" value=cost.credits.to_string() inputmode="numeric" required/></label>
                                <SubmitButton pending=update.pending() label="Save" busy_label="Saving…"/>
                            </ActionForm>
                        }
                    }).collect_view().into_any(),
                }
            })}
        </Transition>
    }
}
